import { Alert } from "./ui/alert";

/** The message to show for a failed query or mutation: the server's own words when it gave some. */
export function errorMessage(error: unknown): string {
  return error instanceof Error && error.message ? error.message : "Something went wrong.";
}

export function QueryError({ error }: { error: unknown }) {
  return <Alert tone="error">{errorMessage(error)}</Alert>;
}
