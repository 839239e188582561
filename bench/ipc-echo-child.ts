// Baseline for the RPC benchmark: a bare child process that echoes every IPC message.
process.on('message', (message) => process.send?.(message));
process.on('disconnect', () => process.exit(0));
