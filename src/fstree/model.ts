import type { NodeKind } from '../format/model.js';

/**
 * A filesystem tree reduced to what darner promises to preserve, in a shape that trees from any
 * source (OCI layers applied, a bootstrap with its blobs, a directory on disk such as a FUSE or
 * kernel EROFS mount) can be compared in. Pure data.
 */
export interface FsEntry {
  /** Path relative to the root, `/`-separated; '' is the root. */
  path: string;
  kind: NodeKind;
  /** mode & 0o7777 (setuid, setgid, sticky and rwx bits). */
  permissions: number;
  uid: number;
  gid: number;
  /** Regular files: bytes; symlinks: target length; everything else: 0 (not compared). */
  size: number;
  mtime: number;
  mtimeNsec: number;
  /** Symlink target. */
  target?: string;
  /** Device number of character and block devices. */
  rdev?: { major: number; minor: number };
  /** Extended attributes, values as lowercase hex. */
  xattrs: Map<string, string>;
  /** Regular files: a key that is equal exactly when the contents are (see contentKey). */
  content?: string;
  /** Entries with the same `inode` are hard links of one another. */
  inode: number;
}

export type FsTree = Map<string, FsEntry>;

/** A field of FsEntry that can differ, plus whole-entry presence and hard-link grouping. */
export type DifferenceField =
  | 'missing'
  | 'extra'
  | 'kind'
  | 'permissions'
  | 'uid'
  | 'gid'
  | 'size'
  | 'mtime'
  | 'target'
  | 'rdev'
  | 'xattrs'
  | 'content'
  | 'hardlinks';

export interface Difference {
  path: string;
  field: DifferenceField;
  expected: string;
  actual: string;
}
