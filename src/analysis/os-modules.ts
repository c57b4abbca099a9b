// Modules that ship with Windows. Blame goes to the first frame outside this list: a crash inside nt or
// ntfs is usually a symptom, and the driver that called into them is the suspect.
const OS_MODULES = [
  // kernel, HAL, boot and core
  'nt', 'ntoskrnl', 'ntkrnlmp', 'ntkrnlpa', 'ntkrpamp', 'hal', 'kd', 'kdcom', 'kdnet', 'mcupdate_genuineintel', 'mcupdate_authenticamd',
  'pshed', 'bootvid', 'clfs', 'ci', 'cng', 'ksecdd', 'ksecpkg', 'msrpc', 'werkernel', 'tm', 'skci', 'securekernel', 'vmm',
  // driver frameworks and buses
  'wdf01000', 'wdfldr', 'acpi', 'acpiex', 'pci', 'pdc', 'partmgr', 'volmgr', 'volmgrx', 'volume', 'mountmgr', 'storport', 'stornvme',
  'storahci', 'ataport', 'ataport_', 'scsiport', 'classpnp', 'disk', 'cdrom', 'usbport', 'usbhub', 'usbhub3', 'usbxhci', 'ucx01000',
  'usbccgp', 'usbstor', 'hidclass', 'hidparse', 'hidusb', 'kbdclass', 'mouclass', 'kbdhid', 'mouhid', 'i8042prt', 'serial', 'serenum',
  'intelppm', 'amdppm', 'processr', 'msisadrv', 'vdrvroot', 'isapnp', 'spaceport', 'ehstorclass', 'mssmbios', 'wmilib', 'cmbatt',
  'battc', 'compbatt', 'intelide', 'pciidex', 'spaceparser', 'storufs', 'sdbus', 'sdstor', 'wpprecorder', 'acpitime', 'vmbus',
  'storvsc', 'vmbkmcl', 'winhv', 'winhvr', 'hvsocket', 'hvservice', 'vmgencounter', 'hyperkbd', 'hypervideo', 'netvsc', 'vid',
  // file systems and filters
  'ntfs', 'refs', 'fastfat', 'exfat', 'udfs', 'cdfs', 'fltmgr', 'fileinfo', 'wof', 'wcifs', 'bindflt', 'cldflt', 'storqosflt',
  'luafv', 'npfs', 'msfs', 'mup', 'rdbss', 'mrxsmb', 'mrxsmb10', 'mrxsmb20', 'srv', 'srv2', 'srvnet', 'csc', 'dfsc', 'nsiproxy',
  'fs_rec', 'ksecdd', 'cng', 'wdboot', 'wdfilter', 'wdnisdrv', 'volsnap', 'fvevol', 'rdyboost', 'iorate', 'ehstorclass', 'bam', 'ahcache',
  'filecrypt', 'cimfs', 'prjflt', 'applockerfltr', 'winquic',
  // networking
  'tcpip', 'tcpip6', 'ndis', 'netio', 'afd', 'afunix', 'http', 'fwpkclnt', 'wfplwfs', 'netbt', 'netbios', 'tdx', 'tdi', 'pacer', 'ndiswan',
  'rasl2tp', 'raspptp', 'raspppoe', 'ndistapi', 'wanarp', 'mslldp', 'rspndr', 'lltdio', 'vwififlt', 'nwifi', 'ndisuio', 'bowser',
  'mpsdrv', 'ws2ifsl', 'wcnwiff', 'wfpcapture', 'ndiscap', 'vmswitch', 'bridge', 'tunnel', 'netadaptercx', 'nettrace',
  // graphics, audio, input
  'win32k', 'win32kbase', 'win32kfull', 'win32kns', 'dxgkrnl', 'dxgmms1', 'dxgmms2', 'cdd', 'basicdisplay', 'basicrender', 'monitor',
  'watchdog', 'portcls', 'ks', 'ksthunk', 'hdaudbus', 'hdaudio', 'drmk', 'usbaudio', 'usbaudio2', 'wmiacpi', 'umbus', 'wudfrd', 'wudfpf',
  'condrv', 'null', 'beep', 'peauth', 'tpm', 'wmilib', 'mmcss', 'nsiproxy', 'dam', 'ndu', 'cea', 'ksecpkg', 'msquic', 'intelpep',
  'bthport', 'bthusb', 'rfcomm', 'bthenum', 'bthmini', 'hidbth', 'bthpan', 'wdiwifi', 'wificx', 'mskssrv', 'swenum', 'rdpbus',
  'rdpdr', 'terminpt', 'rdpvideominiport', 'vhdmp', 'vhdparser', 'iscsiprt', 'msiscsi', 'lsi_sas', 'lsi_sas2i', 'lsi_sss', 'megasas',
];

const SET = new Set(OS_MODULES.map((m) => m.toLowerCase()));

/** True when `moduleName` (WinDbg name or image file name) is part of Windows. */
export function isOsModule(moduleName: string): boolean {
  const n = moduleName.toLowerCase().replace(/\.(sys|exe|dll)$/, '');
  return SET.has(n);
}
