import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// `npm run dev` (vite on :5173) proxies /v1 to the local stack, so the app calls the API on its own
// origin there too; `make dev` serves the built dist/ from the stack's REST port instead.
export default defineConfig({
  plugins: [react()],
  server: { proxy: { "/v1": process.env.API_URL ?? "http://127.0.0.1:3000" } },
  build: { target: "es2022", sourcemap: true, reportCompressedSize: true },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
