import { WatchFolderFile } from '../db/models';

/** The last files found in watch folders: what became of each, and where its release is now. */
export interface WatchOutcomeRow {
  group: string;
  fileName: string;
  state: string;
  releaseId: string | null;
  releaseState: string | null;
  error: string | null;
  movedTo: string | null;
  updatedAt: Date;
}

export async function recentWatchOutcomes(limit = 15): Promise<WatchOutcomeRow[]> {
  const rows = await WatchFolderFile.query()
    .join('groups', 'groups.id', 'watch_folder_files.group_id')
    .leftJoin('releases', 'releases.id', 'watch_folder_files.release_id')
    .select('watch_folder_files.*', 'groups.tag as group', 'releases.state as releaseState')
    .orderBy('watch_folder_files.updated_at', 'desc')
    .orderBy('watch_folder_files.id', 'desc')
    .limit(limit);
  return rows.map((r) => {
    const row = r as WatchFolderFile & { group: string; releaseState: string | null };
    return { group: row.group, fileName: row.fileName, state: row.state, releaseId: row.releaseId, releaseState: row.releaseState, error: row.error, movedTo: row.movedTo, updatedAt: row.updatedAt };
  });
}
