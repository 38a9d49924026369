#!/bin/sh
# PID 1 of a lab host. Started (see launcher.ts) as
#   ip netns exec <netns> unshare --mount --uts --pid --fork --mount-proc --propagation private \
#     /bin/sh host-init.sh <hostname> [<dir> <mountpoint>]... -- /usr/sbin/sshd -D -e
# Gives the host its hostname, its own copies of the directories BIND, nginx, sshd and Ansible
# write (bind mounts private to this mount namespace: they vanish with the host), a fresh /run,
# /tmp and /var/tmp as after a boot, then becomes the host's sshd. When that sshd ends, the
# kernel ends every other process of the host.
set -eu

hostname "$1"
shift

# The machine's own files are shared by all hosts: read-only inside a host, so that nothing a
# host does (an Ansible task, a package tool) can change them. Only the host's directories
# mounted below are writable.
for dir in /etc /usr /var /opt /srv /home; do
  [ -d "$dir" ] || continue
  mount --rbind "$dir" "$dir"
  mount -o remount,bind,ro "$dir"
done

while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
  mount --bind "$1" "$2"
  shift 2
done
shift

mount -t tmpfs -o mode=0755,nosuid,nodev,size=64m lab-run /run
mkdir -m 0755 /run/sshd /run/lock
install -d -m 0775 -o root -g bind /run/named
mount -t tmpfs -o mode=1777,nosuid,nodev,size=256m lab-tmp /tmp
mount -t tmpfs -o mode=1777,nosuid,nodev,size=64m lab-var-tmp /var/tmp

exec "$@"
