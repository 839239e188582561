// The `corral` command's usage text, apart from the commands' code: `corral --help` loads
// this module and nothing heavier (src-main/cli/main.ts imports the commands only to run one).

export const shellUsage = `  shell NAME [--workdir DIR] [-- CMD ...]  a login shell in the guest over SSH, or CMD (its exit status is corral's)
  ssh-config NAME                       an ssh_config Host block (corral-NAME) for ssh -F and editors`;

export const copyUsage = `  copy [-r] SRC... DST                  copy files between host and guest; a guest path is NAME:PATH
                                        (-r: folders too; scp's exit status is corral's)`;

export const driverUsage = `  driver list [--json]                  drivers: version, sandbox, capabilities, and why one cannot run
  driver install FILE [--yes] [--force] check a .corral-driver bundle, show what it asks for, install it
                                        (--yes: approve without asking; --force: even while its instances run)
  driver enable|disable NAME [--force]  turn an installed driver on or off
  driver remove NAME [--force]          uninstall a driver bundle
  driver pack DIR [--out FILE] [--key PEM]  build a bundle from DIR/manifest.json and its files (signed with --key)`;

export const reshapeUsage = `  snapshot list NAME [--json]           its snapshots: tag, date, saved VM state, running or disk-only
  snapshot create|apply|delete NAME TAG  snapshot while running (memory too) or stopped (disk only)
  restart NAME [--force]                stop it (if running) and start it again
                                        (--force: at once, as a Broken one needs)
  clone NAME NEW                        a copy of a stopped instance, disk included
  rename NAME NEW                       rename a stopped instance
  edit NAME [--cpus N] [--memory SIZE] [--disk SIZE]  reshape a stopped instance (the disk only grows)`;

export const portsUsage = '  ports NAME [--json]                   its port forwards (host -> guest) and ports that could not be forwarded';

export const driverTestUsage = `  driver test NAME|BUNDLE [--kernel FILE --initrd FILE [--disk FILE] [--cmdline TEXT]]
         [--call-timeout SECONDS] [--json] [--keep]
                                        check a driver (or a .corral-driver file) against the driver contract`;

export const connectionUsage = `  connection list [--json]              where VMs run: local, each driver's default, and the named ones
  connection add NAME URI [--driver D]  a named libvirt connection (e.g. qemu+ssh://user@host/system),
                                        added only once it answers and can run QEMU VMs
  connection test NAME                  connect and say what answered (libvirt and QEMU versions)
  connection remove NAME                forget it (refused while instances use it)`;
