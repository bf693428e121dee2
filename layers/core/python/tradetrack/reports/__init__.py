"""Reports (docs/reports.md): trade history (CSV, XLSX) and the FY tax P&L (XLSX, PDF), rendered by a
worker into S3 and fetched by a short-lived presigned URL."""
