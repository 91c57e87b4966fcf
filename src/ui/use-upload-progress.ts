// How far the uploads of this thread's pending files have got, from the worker's `upload` updates (one per part):
// by message id, the bytes the store has of all. Kept in the popup only; a reopened thread starts from none and
// picks up at the next part.
import { useEffect, useState } from 'preact/hooks';
import { subscribeUpdates } from '@/ui/rpc';

export interface UploadProgress {
  sentBytes: number;
  totalBytes: number;
}

export function useUploadProgress(topic: string): ReadonlyMap<string, UploadProgress> {
  const [uploads, setUploads] = useState<ReadonlyMap<string, UploadProgress>>(new Map());
  useEffect(() => {
    setUploads(new Map());
    return subscribeUpdates((update) => {
      if (update.kind !== 'upload' || update.topic !== topic) return;
      const { messageId, sentBytes, totalBytes } = update;
      setUploads((current) => new Map(current).set(messageId, { sentBytes, totalBytes }));
    });
  }, [topic]);
  return uploads;
}
