// Every debugger command dumpscope knows. Front ends (shell, run, analyze, web) get their engine here.
import { evaluateCommand, formatsCommand } from './builtin/evaluate.js';
import { helpCommand } from './builtin/help.js';
import { CommandEngine } from './engine.js';

export function createEngine(): CommandEngine {
  const engine = new CommandEngine();
  engine.register(evaluateCommand, formatsCommand);
  engine.register(helpCommand(engine));
  return engine;
}
