package io.cnv2.ir;

/** A graph input: its tensor name and its shape (batch dimension fixed to 1 at import). */
public record Input(String name, Shape shape) {
}
