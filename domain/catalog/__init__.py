"""The product catalog: GS1 numbers, what a decoder read, products and their feeds."""
