import ECLCore
import Foundation
import GRDB

/// Log events in SQLite (GRDB), with versioned migrations: `log_events` and its indexes on workflow_id,
/// timestamp and level, each a separate `CREATE INDEX` (the form PostgreSQL accepts too).
public final class SQLiteLogStore: LogEventStore {
    /// The file's path.
    public let path: String

    public var location: String { path }
    private let database: DatabaseQueue

    /// Opens (creating) the database, or with `readOnly` an existing one as it is (for `logs`); the error
    /// names the path and the reason.
    public init(path: String, readOnly: Bool = false) throws(ECLError) {
        self.path = path
        do {
            // A log database another process holds for longer is not waited on: the batch goes to the spool
            // and is written when the lock is gone. Write-ahead log, synced at checkpoints (see SQLiteOpening):
            // a process crash loses nothing, a power cut may lose the last commits.
            database = try SQLiteOpening.open(path: path, schema: Self.schema, mode: readOnly ? .readOnly : .readWrite, busyTimeout: 2)
        } catch {
            throw .io("cannot open log database '\(path)': \(error)")
        }
    }

    /// The schema's versions, oldest first. Never edit a shipped migration: add a new one.
    static let schema = SQLiteSchema([
        .init("v1_log_events", sql: """
            CREATE TABLE log_events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                timestamp TEXT NOT NULL,
                level TEXT NOT NULL,
                logger TEXT NOT NULL,
                message TEXT NOT NULL,
                workflow_id TEXT,
                step_id TEXT,
                trace_id TEXT,
                span_id TEXT,
                fields TEXT NOT NULL,
                duration_ms REAL,
                tokens_used INTEGER
            );
            CREATE INDEX log_events_workflow_id ON log_events (workflow_id);
            CREATE INDEX log_events_timestamp ON log_events (timestamp);
            CREATE INDEX log_events_level ON log_events (level);
            """),
        // One row per event: a replayed dump or spool adds nothing already stored.
        .init("v2_record_id", sql: """
            ALTER TABLE log_events ADD COLUMN record_id TEXT;
            CREATE UNIQUE INDEX log_events_record_id ON log_events (record_id);
            """),
        // The stage design's columns: the logger's label is `target`, and a row inserted without a time gets
        // the current one. SQLite cannot change a column's default, so the table is made again.
        .init("v3_stage_columns", sql: """
            CREATE TABLE log_events_v3 (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                timestamp TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z'),
                level TEXT NOT NULL,
                target TEXT NOT NULL,
                message TEXT NOT NULL,
                workflow_id TEXT,
                step_id TEXT,
                trace_id TEXT,
                span_id TEXT,
                fields TEXT NOT NULL DEFAULT '{}',
                duration_ms REAL,
                tokens_used INTEGER,
                record_id TEXT
            );
            INSERT INTO log_events_v3 (id, timestamp, level, target, message, workflow_id, step_id, trace_id, span_id, fields,
                duration_ms, tokens_used, record_id)
            SELECT id, timestamp, level, logger, message, workflow_id, step_id, trace_id, span_id, fields, duration_ms,
                tokens_used, record_id FROM log_events;
            DELETE FROM sqlite_sequence WHERE name = 'log_events_v3';
            INSERT INTO sqlite_sequence (name, seq) SELECT 'log_events_v3', seq FROM sqlite_sequence WHERE name = 'log_events';
            DROP TABLE log_events;
            ALTER TABLE log_events_v3 RENAME TO log_events;
            CREATE INDEX log_events_workflow_id ON log_events (workflow_id);
            CREATE INDEX log_events_timestamp ON log_events (timestamp);
            CREATE INDEX log_events_level ON log_events (level);
            CREATE UNIQUE INDEX log_events_record_id ON log_events (record_id);
            """),
    ])

    public func insert(_ events: [StoredLogLine]) throws(ECLError) -> Int {
        do {
            return try database.write { db in
                let statement = try db.makeStatement(sql: """
                    INSERT OR IGNORE INTO log_events (timestamp, level, target, message, workflow_id, step_id, trace_id, span_id,
                    fields, duration_ms, tokens_used, record_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                var added = 0
                for event in events {
                    try statement.execute(arguments: [
                        UTCTimestamp.format(event.timestamp), event.level, event.logger, event.message, event.workflowId,
                        event.stepId, event.traceId, event.spanId, event.fields, event.durationMs, event.tokensUsed, event.recordID,
                    ])
                    added += db.changesCount
                }
                return added
            }
        } catch {
            throw .io("cannot write log events to '\(path)': \(error)")
        }
    }

    public func events(workflowId: String, minimumLevel: String?, since: Date?) throws(ECLError) -> [StoredLogLine] {
        var sql = "SELECT * FROM log_events WHERE workflow_id = ?"
        var arguments: [(any DatabaseValueConvertible)?] = [workflowId]
        if let allowed = StoredLogLine.levels(atOrAbove: minimumLevel) {
            // Lower-cased: a row another tool wrote as `WARN` is a warning too.
            sql += " AND lower(level) IN (\(allowed.map { _ in "?" }.joined(separator: ",")))"
            arguments += allowed.map { $0 as (any DatabaseValueConvertible)? }
        }
        if let since {
            sql += " AND timestamp >= ?"
            arguments.append(UTCTimestamp.format(since))
        }
        sql += " ORDER BY timestamp, id"
        let query = sql
        let bound = StatementArguments(arguments)
        do {
            return try database.read { db in
                try Row.fetchAll(db, sql: query, arguments: bound).map(Self.storedLine)
            }
        } catch {
            throw .io("cannot read log events from '\(path)': \(error)")
        }
    }

    /// A row as a line, read leniently: a file another tool wrote to (a value of the wrong type, text that is
    /// not UTF-8) or that an earlier version made (`logger` where the column is now `target`; `logs` opens
    /// files read-only, so it does not migrate them) gives what can be read, never a crash.
    static func storedLine(_ row: Row) -> StoredLogLine {
        func text(_ column: String) -> String? {
            guard row.hasColumn(column) else { return nil }
            let value: DatabaseValue = row[column]
            if let string = String.fromDatabaseValue(value) { return string }
            if let data = Data.fromDatabaseValue(value) { return String(decoding: data, as: UTF8.self) }
            return value.isNull ? nil : value.description
        }
        func number<T: DatabaseValueConvertible>(_ column: String, as type: T.Type) -> T? {
            guard row.hasColumn(column) else { return nil }
            return T.fromDatabaseValue(row[column] as DatabaseValue)
        }
        return StoredLogLine(
            timestamp: text("timestamp").flatMap(UTCTimestamp.parse) ?? Date(timeIntervalSince1970: 0), level: text("level") ?? "info",
            logger: text("target") ?? text("logger") ?? "", message: text("message") ?? "", workflowId: text("workflow_id"),
            stepId: text("step_id"), traceId: text("trace_id"), spanId: text("span_id"), fields: text("fields") ?? "{}",
            durationMs: number("duration_ms", as: Double.self), tokensUsed: number("tokens_used", as: Int.self))
    }

    /// Checkpoints the write-ahead log into the database file (and truncates it), so the `.db` file alone
    /// holds every row once the writer is done: copying it without its `-wal` loses nothing.
    /// The checkpoint waits at most a fifth of a second for another process's lock: a process that is
    /// exiting does not hang on it (the rows are then in the `-wal` file, which SQLite reads with the `.db`).
    /// Checkpoints the write-ahead log and, when no other process has the file open, puts it back to a
    /// rollback journal (as the workflow store does), so `logs` can read it where it cannot write.
    public func close() {
        _ = try? database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA busy_timeout = 200")
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            try db.execute(sql: "PRAGMA journal_mode = DELETE")
        }
    }

    public func deleteEvents(olderThan cutoff: Date) throws(ECLError) -> Int {
        do {
            return try database.write { db in
                try db.execute(sql: "DELETE FROM log_events WHERE timestamp < ?", arguments: [UTCTimestamp.format(cutoff)])
                return db.changesCount
            }
        } catch {
            throw .io("cannot delete log events from '\(path)': \(error)")
        }
    }
}
