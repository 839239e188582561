// The guest side of Corral's boot flow: shell scripts written into the cidata disk. Lima's order
// and modes (its pkg/cidata boot.sh), our own script: mode-boot scripts from cloud-init's bootcmd
// (stage "early"), then from cloud-init's per-boot scripts (stage "main") the template's env,
// dependency, data, system and user entries, then the probes. Every change of progress is one
// line appended to /run/corral-boot/status, which the host agent follows over SSH:
//   begin IID TOTAL | step I TOTAL NAME | failed NAME STATUS | probe I TOTAL NAME | done CODE
// Output goes to /var/log/corral-boot.log and to cloud-init's output (the serial console).

/** Where the cidata disk is mounted in the guest. */
export const cidataMount = '/mnt/corral-cidata';
/** Root's copies of the scripts, to run them: /run and the cidata may be noexec. */
export const guestScriptDir = '/var/lib/corral-boot';
/** The guest's progress file and per-script logs (tmpfs: a new boot starts empty). */
export const guestRunDir = '/run/corral-boot';
export const guestStatusFile = `${guestRunDir}/status`;
export const guestBootLog = '/var/log/corral-boot.log';

/**
 * Mounts the cidata (root-only, as Lima does) and runs a stage of corral-boot.sh with its output
 * appended to the log; exits with the stage's status (a pipe would give tee's).
 */
export function stageCommand(stage: 'early' | 'main'): string {
  return [
    `mkdir -p -m 700 ${cidataMount}`,
    `mkdir -p -m 755 ${guestRunDir}`,
    `mountpoint -q ${cidataMount} || mount -o ro,mode=0700,dmode=0700,overriderockperm,exec,uid=0 /dev/disk/by-label/cidata ${cidataMount}`,
    `{ sh ${cidataMount}/corral-boot.sh ${stage} 2>&1; echo $? > ${guestRunDir}/${stage}.rc; } | tee -a ${guestBootLog}`,
    `exit "$(cat ${guestRunDir}/${stage}.rc)"`,
  ].join('\n');
}

export const bootScript = `#!/bin/sh
# Corral's boot flow (see src-main/core/cidata/boot-script.ts). Usage: corral-boot.sh early|main
set -u
stage="$1"
CIDATA=$(dirname "$0")
RUN=${guestRunDir}
STATUS=${guestStatusFile}
SCRIPTS=${guestScriptDir}
mkdir -p "$RUN" && chmod 755 "$RUN" # readable by the guest user: the host agent follows it over SSH
mkdir -p -m 700 "$SCRIPTS"

load() { while IFS= read -r line; do [ -n "$line" ] && export "$line"; done < "$1"; }
load "$CIDATA/corral.env"
load "$CIDATA/corral-param.env"
load "$CIDATA/corral-etc-environment"

say() { echo "CORRAL $(date -Iseconds)| $*"; }
status() { echo "$*" >> "$STATUS"; chmod 644 "$STATUS"; }
CODE=0

# A script as its own executable: its #! line if it has one, else sh.
prepare() {
  cp "$1" "$2"
  chmod 755 "$2"
  if [ "$(head -c 2 "$2")" != '#!' ]; then sed -i '1i #!/bin/sh' "$2"; fi
}

run_root() { prepare "$1" "$SCRIPTS/script"; "$SCRIPTS/script"; }
run_boot() { run_root "$1"; }
run_dependency() { run_root "$1"; }
run_system() { run_root "$1"; }

# As the guest user, with the params (and the template's env) kept, as Lima does.
as_user() {
  script="$CORRAL_HOME/.corral-user-script"
  prepare "$1" "$script"
  chown "$CORRAL_USER" "$script"
  keep=$(cat "$CIDATA/corral-param.env" "$CIDATA/corral-etc-environment" | cut -d= -f1 | paste -sd , -)
  if [ -n "$keep" ]; then sudo -iu "$CORRAL_USER" "--preserve-env=$keep" "$script"; else sudo -iu "$CORRAL_USER" "$script"; fi
  rc=$?
  rm -f "$script"
  return $rc
}
run_user() { as_user "$1"; }

# Lima's data mode: content to path, with owner, permissions and overwrite from NAME.env.
run_data() {
  data_path= data_owner= data_permissions= data_overwrite=
  while IFS='=' read -r key value; do eval "data_$key=\\$value"; done < "$1.env"
  if [ -e "$data_path" ] && [ "$data_overwrite" = false ]; then say "not overwriting $data_path"; return 0; fi
  say "writing $data_path"
  mkdir -p "$(dirname "$data_path")" && cp "$1" "$data_path" && chown "$data_owner" "$data_path" && chmod "$data_permissions" "$data_path"
}

run_step() {
  index=$1 file=$2
  name=\${file%.sh}
  mode=\${name##*-}
  status "step $index $CORRAL_STEPS $name"
  say "provisioning $index/$CORRAL_STEPS: $name"
  { "run_$mode" "$CIDATA/$file" 2>&1; echo $? > "$RUN/$name.rc"; } | tee "$RUN/$name.log"
  chmod 644 "$RUN/$name.log"
  rc=$(cat "$RUN/$name.rc")
  if [ "$rc" != 0 ]; then
    say "$name failed with exit status $rc"
    status "failed $name $rc"
    CODE=1
  fi
}

# The steps of this stage, in order: boot-mode ones early, the rest in main.
run_steps() {
  index=0
  while IFS= read -r file; do
    index=$((index + 1))
    case "$file" in
      *-boot.sh) [ "$stage" = early ] && run_step "$index" "$file" < /dev/null ;;
      *) [ "$stage" = main ] && run_step "$index" "$file" < /dev/null ;;
    esac
  done < "$CIDATA/corral-steps"
}

# Lima's boot script writes the template's env into /etc/environment, for login shells too.
write_environment() {
  sed -i '/^# corral env begin$/,/^# corral env end$/d' /etc/environment
  if [ -s "$CIDATA/corral-etc-environment" ]; then
    { echo '# corral env begin'; cat "$CIDATA/corral-etc-environment"; echo '# corral env end'; } >> /etc/environment
  fi
}

# Readiness probes, as the guest user: each is retried until it exits 0 (the host's timeout ends the wait).
run_probes() {
  total=$(ls "$CIDATA" | grep -c '^probe-.*\\.sh$')
  index=0
  for f in "$CIDATA"/probe-*.sh; do
    [ -e "$f" ] || continue
    index=$((index + 1))
    name=$(basename "$f" .sh)
    status "probe $index $total $name"
    say "probe $index/$total: $name"
    shown=
    until as_user "$f" < /dev/null > "$RUN/$name.log" 2>&1; do
      if [ -z "$shown" ]; then cat "$RUN/$name.log"; say "$name has not passed yet; retrying"; shown=1; fi
      sleep 3
    done
    say "$name passed"
  done
}

case "$stage" in
  early)
    rm -f "$STATUS"
    status "begin $CORRAL_IID $CORRAL_STEPS"
    run_steps
    ;;
  main)
    grep -qx "begin $CORRAL_IID $CORRAL_STEPS" "$STATUS" 2>/dev/null || status "begin $CORRAL_IID $CORRAL_STEPS"
    write_environment
    run_steps
    grep -q '^failed ' "$STATUS" && CODE=1
    [ "$CODE" = 0 ] && run_probes
    say "boot flow done (exit $CODE)"
    status "done $CODE"
    ;;
esac
exit $CODE
`;
