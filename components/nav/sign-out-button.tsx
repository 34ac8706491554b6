"use client";

import { useState } from "react";
import { authClient } from "../auth/auth-client";
import { Button } from "../ui/button";

export function SignOutButton() {
  const [pending, setPending] = useState(false);
  async function signOut() {
    setPending(true);
    try {
      await authClient.signOut();
    } catch {
      // Server unreachable: let the user try again rather than leave the button disabled.
      setPending(false);
      return;
    }
    // A full load drops every cached query of the signed-out user.
    window.location.assign("/");
  }
  return (
    <Button variant="ghost" size="sm" onClick={() => void signOut()} disabled={pending} data-testid="sign-out">
      Sign out
    </Button>
  );
}
