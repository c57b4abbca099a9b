// What the arguments of the most common bugchecks mean, in this project's words. (The full knowledge base
// of every documented code is issue work still to come; unknown codes get a neutral description.)
export interface BugcheckDoc {
  summary: string;
  args: [string, string, string, string];
}

const EXCEPTION_7E: BugcheckDoc = {
  summary: 'A system thread raised an exception that nothing handled. The exception address usually points at the faulting driver or function; note it and the driver\'s link date.',
  args: ['Code of the exception that was not handled', 'Address where the exception happened', 'Address of the exception record', 'Address of the context record'],
};

const DOCS = new Map<number, BugcheckDoc>([
  [0x7e, EXCEPTION_7E],
  [0x8e, { summary: 'A kernel-mode exception was not handled.', args: ['Exception code', 'Address where the exception happened', 'Trap frame address', 'Reserved'] }],
  [0x1e, { summary: 'A kernel-mode exception was not handled by any handler.', args: ['Exception code', 'Address where the exception happened', 'First exception parameter', 'Second exception parameter (for access violations: the address accessed)'] }],
  [0x3b, { summary: 'An exception happened while a system service was running (the switch from user to kernel mode).', args: ['Exception code', 'Address where the exception happened', 'Address of the context record', 'Reserved'] }],
  [0x50, { summary: 'Invalid system memory was referenced; this fault cannot be caught by try/except. The address is bad, or points at memory that was freed.', args: ['Address that was referenced', 'Access: bit 0 set = the PTE was not present, bit 1 set = write (clear = read), bit 3 = corrupt PTE, bit 4 = execute of no-execute memory', 'Address of the instruction that referenced it (0 if unknown)', 'Reserved'] }],
  [0x0a, { summary: 'Pageable or invalid memory was touched at an IRQL too high to take a page fault. Usually a bad pointer in a driver.', args: ['Address referenced', 'IRQL at the time', 'Access: bit 0 = write, bit 3 = execute', 'Address of the instruction'] }],
  [0xd1, { summary: 'A driver touched pageable or invalid memory at DISPATCH_LEVEL or above.', args: ['Address referenced', 'IRQL at the time', 'Access: 0 = read, 1 = write, 8 = execute', 'Address of the instruction'] }],
  [0x1c8, { summary: 'The system was crashed on purpose by holding the power button (manually initiated).', args: ['Time the button was held (ms)', 'Reserved', 'Reserved', 'Reserved'] }],
]);

export function bugcheckDoc(baseCode: number): BugcheckDoc {
  return DOCS.get(baseCode) ?? { summary: 'No description of this bugcheck is built in yet.', args: ['Argument 1', 'Argument 2', 'Argument 3', 'Argument 4'] };
}
