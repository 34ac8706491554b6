"use client";

import { useState } from "react";
import { Button } from "./button";

/**
 * A destructive action in two clicks: the first reveals "Confirm" and "Cancel" in place.
 * In-page rather than window.confirm, so it is keyboard-friendly and testable without dialogs.
 */
export function ConfirmButton({
  label,
  confirmLabel,
  pending,
  onConfirm,
  testId,
}: {
  label: string;
  confirmLabel: string;
  pending?: boolean;
  onConfirm: () => void;
  /** Base test id: the buttons get `<testId>`, `confirm-<testId>`, `cancel-<testId>`. */
  testId: string;
}) {
  const [armed, setArmed] = useState(false);
  if (!armed) {
    return (
      <Button variant="secondary" size="sm" onClick={() => setArmed(true)} data-testid={testId}>
        {label}
      </Button>
    );
  }
  return (
    <span className="inline-flex gap-2">
      <Button variant="danger" size="sm" disabled={pending} onClick={onConfirm} data-testid={`confirm-${testId}`}>
        {pending ? "Working…" : confirmLabel}
      </Button>
      <Button variant="ghost" size="sm" disabled={pending} onClick={() => setArmed(false)} data-testid={`cancel-${testId}`}>
        Cancel
      </Button>
    </span>
  );
}
