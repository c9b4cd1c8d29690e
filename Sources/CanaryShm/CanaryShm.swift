public enum CanaryShmPlaceholder {}
