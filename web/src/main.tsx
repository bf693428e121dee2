import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ApiError } from "./api/client";
import { App } from "./App";
import { Session } from "./auth/session";
import { SessionProvider } from "./auth/SessionContext";
import "./styles.css";

const session = new Session();
const queries = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      // A 4xx will not change on retry; a network blip or 5xx may.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    },
  },
});
session.subscribe((state) => {
  if (state.status === "anonymous") queries.clear(); // no other user's data after a logout
  if (state.status === "active") void queries.invalidateQueries(); // refetch what failed while expired
});

const root = document.getElementById("root");
if (!root) throw new Error("no #root element");
createRoot(root).render(
  <StrictMode>
    <SessionProvider session={session}>
      <QueryClientProvider client={queries}>
        <App />
      </QueryClientProvider>
    </SessionProvider>
  </StrictMode>,
);
