import { organizationClient } from "better-auth/client/plugins";
import { createAuthClient } from "better-auth/react";

/** No baseURL: the client talks to /api/auth on the page's own origin. */
export const authClient = createAuthClient({ plugins: [organizationClient()] });
