/**
 * The problems a run finds in frames it still writes: frames that failed the on-the-fly QA
 * check, physics warnings (objects still moving or fallen after settling) and placement
 * shortfalls (fewer objects placed than asked). Each is recorded with its frame (the
 * manifest entry's `qa`, params.json `warnings`), summed up at the end of the run and
 * given a section of the report.
 */

export type NoteKind = "qa" | "physics" | "placement" | "other";

/** Section titles, in the order they are shown. */
export const NOTE_TITLES: Record<NoteKind, string> = {
  qa: "QA check failures",
  physics: "Physics warnings",
  placement: "Placement shortfalls",
  other: "Other warnings",
};

const NOTE_KINDS = Object.keys(NOTE_TITLES) as NoteKind[];

/** The kind of a randomizer warning, from its text (frames.ts, template.ts). */
function warningKind(message: string): Exclude<NoteKind, "qa"> {
  if (/still moving after \d+ physics steps|fell with nothing below them/.test(message)) return "physics";
  if (/placed \d+ of \d+ objects/.test(message)) return "placement";
  return "other";
}

/** One frame's notes of one kind. */
export interface FrameNote {
  index: number;
  kind: NoteKind;
  messages: string[];
}

/** Notes grouped by kind, each list in frame order. */
export function groupNotes(notes: readonly FrameNote[]): Map<NoteKind, FrameNote[]> {
  const out = new Map<NoteKind, FrameNote[]>();
  for (const kind of NOTE_KINDS) {
    const list = notes.filter((n) => n.kind === kind).sort((a, b) => a.index - b.index);
    if (list.length) out.set(kind, list);
  }
  return out;
}

/** The notes of a frame's randomizer warnings, one per kind. */
export function warningNotes(index: number, warnings: readonly string[]): FrameNote[] {
  const byKind = new Map<NoteKind, string[]>();
  for (const w of warnings) {
    const k = warningKind(w);
    byKind.set(k, [...(byKind.get(k) ?? []), w]);
  }
  return [...byKind].map(([kind, messages]) => ({ index, kind, messages }));
}

const SHOWN = 5;

/** End-of-run lines: per kind, how many frames and the first few with their first message. */
export function summaryLines(notes: readonly FrameNote[]): string[] {
  return [...groupNotes(notes)].map(([kind, list]) => {
    const shown = list.slice(0, SHOWN).map((n) => `frame ${n.index}: ${n.messages[0]}${n.messages.length > 1 ? ` (+${n.messages.length - 1} more)` : ""}`);
    return `${NOTE_TITLES[kind].toLowerCase()} in ${list.length} frame(s): ${shown.join("; ")}${list.length > SHOWN ? `; … ${list.length - SHOWN} more (see report.html)` : ""}`;
  });
}
