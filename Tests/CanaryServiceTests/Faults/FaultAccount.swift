/// What one fault case ends with: samples written by the replicas against
/// samples the journal counted, what the README allows to be lost, and
/// whether every route page equals the journal's table.
struct FaultAccount: CustomStringConvertible {
    let fault: String
    let written: Int
    let counted: Int
    /// Samples the agents reported lost (ring loss, a predecessor's unacked windows).
    let reportedLost: Int
    let allowed: Int
    let pagesAgree: Bool
    /// Per version, and the pages that disagree: printed when the case fails.
    let detail: String

    var lost: Int { written - counted }
    /// Nothing counted twice, nothing lost beyond the allowance, pages right.
    var holds: Bool { lost >= 0 && lost <= allowed && pagesAgree }

    var description: String {
        "fault \(fault): written \(written), counted \(counted), lost \(lost) (allowed \(allowed)), pages agree: \(pagesAgree ? "yes" : "no")"
    }

    /// The line, and the detail when the case does not hold.
    var report: String { holds ? description : description + "\n  " + detail }
}
