"use client";

import { useState, type FormEvent } from "react";
import { Button } from "./button";
import { Field } from "./input";

/**
 * "Name it, create it" for keys and tokens. The name clears only after a successful create;
 * a failure stays in the caller's mutation state, which shows it.
 */
export function CreateNamedForm({
  idPrefix,
  label,
  placeholder,
  submitLabel,
  pending,
  onCreate,
}: {
  idPrefix: string;
  label: string;
  placeholder: string;
  submitLabel: string;
  pending: boolean;
  onCreate: (name: string) => Promise<unknown>;
}) {
  const [name, setName] = useState("");
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    try {
      await onCreate(name.trim());
      setName("");
    } catch {
      // Shown by the caller from its mutation's error.
    }
  }
  return (
    <form onSubmit={(e) => void onSubmit(e)} className="flex flex-wrap items-end gap-3">
      <div className="min-w-60 flex-1">
        <Field
          id={`${idPrefix}-name`}
          label={label}
          placeholder={placeholder}
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={100}
          data-testid={`${idPrefix}-name`}
        />
      </div>
      <Button type="submit" disabled={pending || name.trim().length === 0} data-testid={`${idPrefix}-submit`}>
        {pending ? "Creating…" : submitLabel}
      </Button>
    </form>
  );
}
