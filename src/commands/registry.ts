// Every debugger command dumpscope knows. Front ends (shell, run, analyze, web) get their engine here.
import { evaluateCommand, formatsCommand } from './builtin/evaluate.js';
import { analyzeCommand } from './builtin/analyze.js';
import { cxrCommand, exrCommand, registersCommand, trapCommand } from './builtin/context.js';
import { disassembleCommand } from './builtin/disassemble.js';
import { errorCommand } from './builtin/error.js';
import { frameCommand } from './builtin/frame.js';
import { helpCommand } from './builtin/help.js';
import { memoryCommand } from './builtin/memory.js';
import { modulesCommand } from './builtin/modules.js';
import { dtCommand } from './builtin/dt.js';
import { poolCommand } from './builtin/pool.js';
import { poolUsedCommand } from './builtin/poolused.js';
import { vmCommand } from './builtin/vm.js';
import { dotProcessCommand, dotThreadCommand, mexProcessCommand, mexThreadCommand, uniqueStacksCommand } from './builtin/mex.js';
import { lnCommand, loadCommand, reloadCommand, sympathCommand, ufCommand, xCommand } from './builtin/symbols.js';
import { crashCommand, dotBugcheckCommand, lastEventCommand, vertargetCommand } from './builtin/target-info.js';
import { dxCommand } from './builtin/dx.js';
import { processCommand, runningCommand, threadCommand } from './builtin/process-thread.js';
import { pteCommand } from './builtin/pte.js';
import { stackCommand } from './builtin/stack.js';
import { CommandEngine } from './engine.js';

export function createEngine(): CommandEngine {
  const engine = new CommandEngine();
  engine.register(evaluateCommand, formatsCommand, cxrCommand, registersCommand, exrCommand, stackCommand, modulesCommand, disassembleCommand, memoryCommand, pteCommand, errorCommand, analyzeCommand, frameCommand, threadCommand, processCommand, runningCommand, dtCommand, trapCommand, dxCommand, lnCommand, xCommand, sympathCommand, reloadCommand, loadCommand, ufCommand, vertargetCommand, dotBugcheckCommand, lastEventCommand, crashCommand, mexThreadCommand, mexProcessCommand, uniqueStacksCommand, dotThreadCommand, dotProcessCommand, poolCommand, vmCommand, poolUsedCommand);
  engine.register(helpCommand(engine));
  return engine;
}
