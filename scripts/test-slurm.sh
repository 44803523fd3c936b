#!/usr/bin/env bash
# Tests of `metabench slurm` against a real single-node Slurm: starts munged,
# slurmctld and slurmd on localhost with a minimal slurm.conf in a temporary
# directory (own ports, own munge socket, nothing in /etc touched), runs the
# cluster tests of benchmarks/slurm — the package's fake suite and the
# imitation smoke profile as 4-task arrays with their prepare and merge jobs,
# one index cancelled and resubmitted — and stops the daemons by pid on exit.
#
# Needs root (slurmd runs jobs as root here). Installs Debian's slurm-wlm and
# munge when they are missing; skips, saying why, only when they cannot be
# installed.
#
#   scripts/test-slurm.sh                 run the tests
#   KEEP=1 scripts/test-slurm.sh          keep the temporary directory (logs)
#   RUN=TestClusterFake scripts/...       only the tests matching RUN
#   METABENCH_BIN=path scripts/...        test that binary, not one built here
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
SUITE=${METABENCH_SLURM_SUITE:-imitation}

have_slurm() {
	local c
	for c in munged slurmctld slurmd sbatch scontrol scancel; do
		command -v "$c" >/dev/null || return 1
	done
}

skip() {
	echo "test-slurm: SKIPPED: $*"
	exit 0
}

if ! have_slurm; then
	[[ $(id -u) == 0 ]] || skip "slurm-wlm and munge are not installed, and installing them needs root"
	command -v apt-get >/dev/null || skip "slurm-wlm and munge are not installed, and there is no apt-get to install them"
	# Another apt-get holds the dpkg lock: wait for it (up to 10 minutes).
	for _ in $(seq 600); do
		pgrep -x apt-get >/dev/null || pgrep -x dpkg >/dev/null || break
		sleep 1
	done
	echo "test-slurm: installing slurm-wlm and munge"
	install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null; }
	install || { apt-get update -qq && install; } || skip "apt-get could not install slurm-wlm and munge"
	have_slurm || skip "slurm-wlm and munge installed, but their commands are not on PATH"
fi
[[ $(id -u) == 0 ]] || skip "the single-node Slurm of this test runs slurmd as root"

tmp=$(mktemp -d /tmp/metabench-slurm.XXXXXX)
chmod 755 "$tmp"
pids=()
stop() {
	local code=$? pid
	# Finish the cleanup even if a signal comes or stdout is gone.
	set +e
	trap '' INT TERM PIPE
	# The daemons, by the pids this script started, newest first.
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		pid=${pids[i]}
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [[ $code != 0 ]]; then
		for f in "$tmp"/*.log; do [[ -f $f ]] && { echo "== $f (last lines)"; tail -n 20 "$f"; }; done
	fi
	if [[ ${KEEP:-} == 1 ]]; then echo "test-slurm: kept $tmp"; else rm -rf "$tmp"; fi
	exit "$code"
}
trap stop EXIT
trap 'exit 130' INT TERM

# Free ports for slurmctld and slurmd, so that a Slurm already on the
# machine is left alone.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 50); do
	ctld=$((20000 + RANDOM % 20000)) slurmd_port=$((ctld + 1))
	port_free "$ctld" && port_free "$slurmd_port" && break
done

dd if=/dev/urandom of="$tmp/munge.key" bs=1024 count=1 status=none
chmod 400 "$tmp/munge.key"
# --force: munged refuses to run as root from a world-writable /tmp otherwise.
munged --foreground --force --socket="$tmp/munge.sock" --key-file="$tmp/munge.key" \
	--pid-file="$tmp/munged.pid" --seed-file="$tmp/munged.seed" >"$tmp/munged.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [[ -S $tmp/munge.sock ]] && break; sleep 0.1; done
[[ -S $tmp/munge.sock ]] || { echo "test-slurm: munged did not start"; exit 1; }

host=$(hostname -s)
mem=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
mkdir -p "$tmp/state" "$tmp/spool"
cat >"$tmp/slurm.conf" <<EOF
ClusterName=metabench-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge.sock
CredType=cred/munge
SlurmctldPort=$ctld
SlurmdPort=$slurmd_port
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$tmp/slurm.conf
slurmctld -D -i >"$tmp/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N "$host" >"$tmp/slurmd.out" 2>&1 &
pids+=($!)
state=""
for _ in $(seq 300); do
	state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
	[[ $state == idle ]] && break
	sleep 0.2
done
[[ $state == idle ]] || { echo "test-slurm: the node did not come up (state '$state')"; exit 1; }
echo "test-slurm: Slurm $(sinfo -V | awk '{print $2}') up on $host (ports $ctld, $slurmd_port, $(nproc) CPUs)"

# METABENCH_BIN: test that binary instead of one built from this tree.
bin=${METABENCH_BIN:-$tmp/metabench}
[[ -n ${METABENCH_BIN:-} ]] || CGO_ENABLED=0 $GO build -o "$bin" .
start=$(date +%s)
METABENCH_SLURM=1 METABENCH_BIN="$bin" METABENCH_SLURM_SUITE="$SUITE" CGO_ENABLED=0 \
	$GO test -count=1 -v -timeout 30m -run "${RUN:-^TestCluster}" ./benchmarks/slurm/
echo "test-slurm: passed in $(($(date +%s) - start)) s"
