/** Counts a transfer reports as it goes: files and bytes, done out of total. */
export interface TransferProgress {
  start(label: string, files: number, bytes: number): void;
  advance(files: number, bytes: number): void;
  stop(): void;
}

export const silentProgress: TransferProgress = { start() {}, advance() {}, stop() {} };

/**
 * A bar by bytes with the file count beside it, drawn on stderr only when it is a terminal
 * (CI logs get the summary line alone). cli-progress loads only then.
 */
export async function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Promise<TransferProgress> {
  if (!stream.isTTY) return silentProgress;
  const { SingleBar, Presets } = await import('cli-progress');
  let bar: InstanceType<typeof SingleBar> | undefined;
  let files = 0;
  let bytes = 0;
  let totalFiles = 0;
  return {
    start(label, nFiles, nBytes) {
      bar?.stop();
      files = 0;
      bytes = 0;
      totalFiles = nFiles;
      if (nFiles === 0) return;
      bar = new SingleBar(
        {
          stream,
          format: ` ${label} {bar} {percentage}% | {mb}/{totalMb} MB | {files}/{totalFiles} files | {eta_formatted}`,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        },
        Presets.shades_classic,
      );
      bar.start(Math.max(1, nBytes), 0, { files: 0, totalFiles, mb: '0.0', totalMb: (nBytes / 1e6).toFixed(1) });
    },
    advance(nFiles, nBytes) {
      files += nFiles;
      bytes += nBytes;
      bar?.update(bytes, { files, totalFiles, mb: (bytes / 1e6).toFixed(1) });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
