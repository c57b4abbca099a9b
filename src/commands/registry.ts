// Every debugger command dumpscope knows. Front ends (shell, run, analyze, web) get their engine here.
import { cppEvaluateCommand, formatsCommand } from './builtin/evaluate.js';
import { analyzeCommand } from './builtin/analyze.js';
import { cxrCommand, exrCommand, registersCommand, trapCommand } from './builtin/context.js';
import { disassembleCommand } from './builtin/disassemble.js';
import { errorCommand } from './builtin/error.js';
import { frameCommand } from './builtin/frame.js';
import { helpCommand, questionCommand } from './builtin/help.js';
import { memoryCommand } from './builtin/memory.js';
import { modulesCommand } from './builtin/modules.js';
import { dtCommand } from './builtin/dt.js';
import { poolCommand } from './builtin/pool.js';
import { poolUsedCommand } from './builtin/poolused.js';
import { vmCommand } from './builtin/vm.js';
import { dotProcessCommand, dotThreadCommand, mexProcessCommand, mexThreadCommand, uniqueStacksCommand } from './builtin/mex.js';
import { lnCommand, loadCommand, reloadCommand, sympathCommand, xCommand } from './builtin/symbols.js';
import { ufCommand } from './builtin/uf.js';
import { crashCommand, dotBugcheckCommand, lastEventCommand, vertargetCommand } from './builtin/target-info.js';
import { dxCommand } from './builtin/dx.js';
import { processCommand, runningCommand, threadCommand } from './builtin/process-thread.js';
import { pteCommand } from './builtin/pte.js';
import { stackCommand } from './builtin/stack.js';
import { displayStringCommand } from './builtin/display-string.js';
import { dpcsCommand } from './builtin/dpcs.js';
import { ecxrCommand } from './builtin/ecxr.js';
import { errrecCommand } from './builtin/errrec.js';
import { irpCommand } from './builtin/irp.js';
import { pfnCommand } from './builtin/pfn.js';
import { irqlCommand, pcrCommand, prcbCommand } from './builtin/processor.js';
import { commentCommand, echoCommand } from './builtin/script.js';
import { searchCommand } from './builtin/search.js';
import { CommandEngine } from './engine.js';

export function createEngine(): CommandEngine {
  const engine = new CommandEngine();
  // `?` lists the commands through the engine, so it is registered with it (first, as .help lists it).
  engine.register(questionCommand(engine), cppEvaluateCommand, formatsCommand, cxrCommand, registersCommand, exrCommand, stackCommand, modulesCommand, disassembleCommand, memoryCommand, pteCommand, errorCommand, analyzeCommand, frameCommand, threadCommand, processCommand, runningCommand, dtCommand, trapCommand, dxCommand, lnCommand, xCommand, sympathCommand, reloadCommand, loadCommand, ufCommand, vertargetCommand, dotBugcheckCommand, lastEventCommand, crashCommand, mexThreadCommand, mexProcessCommand, uniqueStacksCommand, dotThreadCommand, dotProcessCommand, poolCommand, vmCommand, poolUsedCommand);
  // Commands the analysis cites as evidence (docs/analysis.md).
  engine.register(searchCommand, irpCommand, errrecCommand, displayStringCommand, pfnCommand, dpcsCommand, ecxrCommand);
  engine.register(irqlCommand, pcrCommand, prcbCommand);
  engine.register(commentCommand, echoCommand);
  engine.register(helpCommand(engine));
  return engine;
}
