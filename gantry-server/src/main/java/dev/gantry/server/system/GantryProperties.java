package dev.gantry.server.system;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Server settings ({@code gantry.*}).
 *
 * @param dataDir where the SQLite ledger, the signing key and the bootstrap token live
 * @param databaseUrl a {@code jdbc:postgresql:} URL to keep the ledger in PostgreSQL instead of SQLite
 * @param origin the checkpoint origin line on first start (default: gantry.local/ and 8 random hex digits)
 * @param checkpointInterval how often a checkpoint is signed while events arrive (at most a minute)
 * @param maxRequestBytes request bodies larger than this are refused with 413
 */
@ConfigurationProperties("gantry")
public record GantryProperties(
    @DefaultValue("${user.home}/.gantry/data") Path dataDir,
    String databaseUrl,
    String origin,
    @DefaultValue("30s") Duration checkpointInterval,
    @DefaultValue("65536") long maxRequestBytes) {}
