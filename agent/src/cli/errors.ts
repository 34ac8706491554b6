/** A command that ran but failed (exit 1, message only): e.g. the marketplace refused the token. */
export class CommandFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CommandFailed";
  }
}
