// A file's upload as its pending bubble shows it: a bar (role=progressbar, so a screen reader can follow it)
// and the words "Uploading 1.2 of 3.1 MB · 38 %".
import { fileSize } from '@/ui/format';
import type { UploadProgress } from '@/ui/use-upload-progress';

export function uploadPercent({ sentBytes, totalBytes }: UploadProgress): number {
  return totalBytes > 0 ? Math.min(100, Math.floor((sentBytes / totalBytes) * 100)) : 0;
}

/** "1.2 of 3.1 MB" when both are in the same unit, else "800 KB of 3.1 MB". */
function amount({ sentBytes, totalBytes }: UploadProgress): string {
  const sent = fileSize(sentBytes);
  const total = fileSize(totalBytes);
  const unit = / \S+$/.exec(total)?.[0] ?? '';
  return unit && sent.endsWith(unit) ? `${sent.slice(0, -unit.length)} of ${total}` : `${sent} of ${total}`;
}

export function uploadText(upload: UploadProgress): string {
  return `Uploading ${amount(upload)} · ${uploadPercent(upload)} %`;
}

export function UploadBar({ upload, filename }: { upload: UploadProgress; filename: string }) {
  const percent = uploadPercent(upload);
  return (
    <div
      class="upload-bar"
      role="progressbar"
      aria-label={`Upload of ${filename}`}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      aria-valuetext={uploadText(upload)}
    >
      <span style={{ width: `${percent}%` }} />
    </div>
  );
}
