package dev.gantry.cli.artifact;

import picocli.CommandLine.Command;

/** {@code gantry artifact ...}. */
@Command(name = "artifact", description = "Register artifacts, add test evidence, get and verify provenance.",
    mixinStandardHelpOptions = true, subcommands = {ArtifactRegisterCommand.class, ArtifactListCommand.class,
        ArtifactShowCommand.class, ArtifactTestsCommand.class, ArtifactProvenanceCommand.class,
        ArtifactVerifyCommand.class})
public final class ArtifactCommand {}
