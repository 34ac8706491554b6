/**
 * Platform operators (not an organization role): the people who run this deployment and may see
 * platform-wide state such as settlement dead letters. Named by email in OPERATOR_EMAILS.
 */
export function isOperator(operatorEmails: readonly string[], email: string | null | undefined): boolean {
  return !!email && operatorEmails.includes(email.trim().toLowerCase());
}
