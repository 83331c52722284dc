package dev.gantry.cli.token;

import picocli.CommandLine.Command;

/** {@code gantry token ...}. */
@Command(name = "token", description = "Issue, list and revoke API tokens.", mixinStandardHelpOptions = true,
    subcommands = {TokenCreateCommand.class, TokenListCommand.class, TokenRevokeCommand.class})
public final class TokenCommand {}
