export const BIN: { halfX: number; halfY: number; wall: number; floorZ: number; height: number };
export function tabletopBin(tabletop: unknown): unknown;
