import Testing

@testable import TenantRegistry

@Suite struct SQLScriptTests {
    @Test func splitsOnSemicolonsBetweenStatements() {
        let statements = SQLScript.statements(in: "CREATE TABLE a (x int);\n\nCREATE INDEX a_x ON a (x);\n")
        #expect(statements == ["CREATE TABLE a (x int)", "CREATE INDEX a_x ON a (x)"])
    }

    @Test func keepsSemicolonsInsideQuotesCommentsAndDollarBodies() {
        let script = """
            -- a comment; with a semicolon
            INSERT INTO t VALUES ('a;b', 'it''s; fine');
            CREATE TABLE "odd;name" (x int); /* block; comment */
            CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql;
            SELECT $1::int
            """
        let statements = SQLScript.statements(in: script)
        #expect(statements.count == 4)
        #expect(statements[0].hasSuffix("VALUES ('a;b', 'it''s; fine')"))
        #expect(statements[1] == #"CREATE TABLE "odd;name" (x int)"#)
        #expect(statements[2].contains("BEGIN RETURN 1; END;"))
        #expect(statements[3] == "SELECT $1::int")
    }

    @Test func understandsWindowsLineEndings() {
        let statements = SQLScript.statements(in: "-- a comment\r\nCREATE TABLE a (x int);\r\nCREATE TABLE b (y int);\r\n")
        #expect(statements.count == 2)
        #expect(statements.last == "CREATE TABLE b (y int)")
    }

    @Test func dropsStatementsThatAreOnlyComments() {
        #expect(SQLScript.statements(in: "-- nothing here\n;\n  ;") == [])
    }
}
