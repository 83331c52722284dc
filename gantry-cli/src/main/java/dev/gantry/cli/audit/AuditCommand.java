package dev.gantry.cli.audit;

import picocli.CommandLine.Command;

/** {@code gantry audit ...}. */
@Command(name = "audit", description = "Read, prove and verify the ledger.", mixinStandardHelpOptions = true,
    subcommands = {AuditVerifyCommand.class, AuditExportCommand.class, AuditProofCommand.class,
        AuditLogCommand.class, AuditCheckpointCommand.class})
public final class AuditCommand {}
