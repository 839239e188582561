// Which connection an instance runs on, from its config alone (no engine needed: `corral list`
// reads it from live facts).

/** The connection of the built-in QEMU driver: this machine. Never stored. */
export const LOCAL_CONNECTION = 'local';
/** The driver behind the local connection. */
export const LOCAL_DRIVER = 'qemu';

/** The connection an instance config names: its own, else its driver's default ("local" for QEMU). */
export function connectionOf(config: { connection?: string | undefined; vmType?: string | undefined }): string {
  if (config.connection) return config.connection;
  const driver = config.vmType ?? LOCAL_DRIVER;
  return driver === LOCAL_DRIVER ? LOCAL_CONNECTION : driver;
}
