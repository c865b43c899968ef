/**
 * ceph.conf for a throwaway single-node cluster: one monitor, one in-memory OSD, one
 * RADOS Gateway, no authentication, everything on loopback and under one folder.
 */
export interface CephLayout {
  dir: string;
  fsid: string;
  monPort: number;
  rgwPort: number;
}

export function cephConf({ dir, fsid, monPort, rgwPort }: CephLayout): string {
  return `[global]
fsid = ${fsid}
# On a monitor port other than 6789 the gateway hangs authenticating unless the address names
# messenger v1 explicitly.
mon host = v1:127.0.0.1:${monPort}
mon initial members = a
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
# Placement is done by the setup script (rgw.ts), not by the OSD's own start-up commands.
osd crush update on start = false
osd class update on start = false
osd objectstore = memstore
memstore device bytes = 2147483648
public network = 127.0.0.0/8
ms bind ipv6 = false
# The monitor batches map changes for 1 s by default, and each pool the gateway creates
# waits for one: startup took ~10 s. At 50 ms it takes ~1 s.
paxos propose interval = 0.05
run dir = ${dir}/run
pid file = ${dir}/run/$name.pid
admin socket = ${dir}/run/$name.asok
log file = ${dir}/log/$name.log
keyring = ${dir}/keyring
mon data = ${dir}/mon/$name
osd data = ${dir}/osd/$name

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${dir}/rgw
`;
}
