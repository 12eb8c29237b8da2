import { Command, CommanderError } from "commander";
import { NODE_VERSION } from "../../node/version.js";
import { accessCommand } from "./access-command.js";
import { checkCommand } from "./check-command.js";
import { checkpointCommand } from "./checkpoint-command.js";
import { consentCommand } from "./consent-command.js";
import { exportCommand } from "./export-command.js";
import { importCommand } from "./import-command.js";
import { initCommand } from "./init-command.js";
import { keysCommand } from "./keys-command.js";
import { netCommand } from "./net-command.js";
import { EXIT_USAGE } from "./output.js";
import { ownershipCommand } from "./ownership-command.js";
import { queryCommands } from "./query-commands.js";
import { radiusCommand } from "./radius-command.js";
import { startCommand } from "./start-command.js";
import { txCommand } from "./tx-command.js";
import { verifyCommand } from "./verify-command.js";

// `devicechain export | head` closes the pipe early: that ends the output, it is not a failure.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code !== "EPIPE") throw e;
  process.exit(0);
});

const program = new Command("devicechain")
  .description("devicechain: a permissioned ledger of device identities")
  .version(NODE_VERSION)
  .option("--json", "machine-readable output")
  .showHelpAfterError()
  .exitOverride();

keysCommand(program);
initCommand(program);
startCommand(program);
queryCommands(program);
checkCommand(program);
txCommand(program);
importCommand(program);
exportCommand(program);
radiusCommand(program);
netCommand(program);
ownershipCommand(program);
consentCommand(program);
verifyCommand(program);
checkpointCommand(program);
accessCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (!(e instanceof CommanderError)) throw e;
  // Help and --version "fail" with exit code 0; everything else commander raises is a usage error.
  process.exitCode = e.exitCode === 0 ? 0 : EXIT_USAGE;
}
