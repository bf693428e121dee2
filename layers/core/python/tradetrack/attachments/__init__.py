"""Trade attachments (issue #20, groundwork): screenshots checked by their content and stripped of
metadata before they are kept. The routes, the bucket wiring and the thumbnails are not built yet."""
