public enum CanaryCoordinatorPlaceholder {}
