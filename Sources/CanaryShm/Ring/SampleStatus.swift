import CCanaryShm

/// Status class of one inference, as the judge groups errors.
public enum SampleStatus: UInt8, Sendable, Hashable, CaseIterable {
    case ok = 0
    case clientError = 1
    case serverError = 2
    case timeout = 3
}

/// What a record is: an inference, or a late-arriving outcome (ground truth).
public enum SampleKind: UInt8, Sendable, Hashable {
    case inference = 1
    case outcome = 2
}

/// What the model predicted: a class, or a score (regression / ranking).
public enum Prediction: Sendable, Hashable {
    case classIndex(Int32)
    case score(Float)
}
