package dev.gantry.cli.account;

import picocli.CommandLine.Command;

/** {@code gantry account ...}. */
@Command(name = "account", description = "Manage accounts (admin).", mixinStandardHelpOptions = true,
    subcommands = {AccountCreateCommand.class, AccountListCommand.class, AccountRolesCommand.class,
        AccountDisableCommand.class})
public final class AccountCommand {}
