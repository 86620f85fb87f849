"""Long narration and avatar clips: split audio at pauses for the clip limit, stitch clips back."""
