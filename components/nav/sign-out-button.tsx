"use client";

import { useState } from "react";
import { authClient } from "../auth/auth-client";
import { Button } from "../ui/button";

export function SignOutButton() {
  const [pending, setPending] = useState(false);
  async function signOut() {
    setPending(true);
    await authClient.signOut();
    // A full load drops every cached query of the signed-out user.
    window.location.assign("/");
  }
  return (
    <Button variant="ghost" size="sm" onClick={signOut} disabled={pending} data-testid="sign-out">
      Sign out
    </Button>
  );
}
