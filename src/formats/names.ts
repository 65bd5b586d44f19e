/**
 * How simforge numbers files: six digits, zero-padded, as frame directories
 * (OUT/frames/000042), amodal masks (amodal/000007.png) and the dataset writers' files
 * (COCO images, BOP scenes and images, KITTI scans) are named.
 */
export const pad6 = (n: number): string => String(n).padStart(6, "0");
