/** Builds dist/ when its sources changed since the last build; true when it built. */
export function build(options?: { force?: boolean }): Promise<boolean>;
/** A hash of every input of the build. */
export function sourceStamp(): string;
