/// An error whose `String(describing:)` names only identifiers, states, codes and counts: never
/// a secret, a bound value, a guest's data or a message a remote party wrote. Logs print such an
/// error whole; any other error is logged by its type name alone.
package protocol LogSafeError: Error {}
