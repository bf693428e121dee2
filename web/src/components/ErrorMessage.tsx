import { ApiError } from "../api/client";

/** The API's error message, announced to screen readers (role=alert is aria-live="assertive"). */
export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null;
  const message =
    error instanceof ApiError
      ? `${error.message} (${error.code})`
      : error instanceof Error
        ? error.message
        : "Something went wrong";
  return (
    <p role="alert" className="error">
      {message}
    </p>
  );
}
