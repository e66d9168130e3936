import GRDB

/// A SQLite schema as ordered, named migrations, applied once even when several processes open a new
/// file at the same moment.
///
/// The missing migrations are found and applied inside one `BEGIN EXCLUSIVE` transaction: the second
/// process waits for the first's commit (its busy timeout), then finds them applied. Applied migrations are
/// listed in `grdb_migrations`, the table GRDB's migrator uses, so files made by earlier versions open as
/// they are. Never edit a shipped migration: add a new one.
public struct SQLiteSchema: Sendable {
    /// One step of the schema.
    public struct Migration: Sendable {
        /// Its name, stored once it is applied.
        public let identifier: String
        /// The statements it runs.
        public let sql: String

        /// Creates a migration.
        public init(_ identifier: String, sql: String) {
            self.identifier = identifier
            self.sql = sql
        }
    }

    /// The migrations, oldest first.
    public let migrations: [Migration]

    /// Creates a schema from its migrations, oldest first.
    public init(_ migrations: [Migration]) { self.migrations = migrations }

    /// Applies the migrations `db` lacks, under the database's write lock.
    public func apply(to db: Database) throws {
        try db.inTransaction(.exclusive) {
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            let applied = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
            for migration in migrations where !applied.contains(migration.identifier) {
                try db.execute(sql: migration.sql)
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [migration.identifier])
            }
            return .commit
        }
    }

    /// The identifiers of this schema's migrations that `db` has, oldest first.
    public func applied(in db: Database) throws -> [String] {
        guard try db.tableExists("grdb_migrations") else { return [] }
        let applied = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
        return migrations.map(\.identifier).filter(applied.contains)
    }
}
