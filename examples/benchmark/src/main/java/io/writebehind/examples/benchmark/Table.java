package io.writebehind.examples.benchmark;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A plain-text table: a header row, rows of a label and values, columns as wide as their widest cell. */
public final class Table {

	private final String title;
	private final List<String[]> rows = new ArrayList<>();

	public Table(String title, String... header) {
		this.title = title;
		rows.add( header );
	}

	public Table row(String... cells) {
		rows.add( cells );
		return this;
	}

	public void print(PrintStream out) {
		int columns = 0;
		for ( String[] r : rows ) {
			columns = Math.max( columns, r.length );
		}
		int[] width = new int[columns];
		for ( String[] r : rows ) {
			for ( int i = 0; i < r.length; i++ ) {
				width[i] = Math.max( width[i], r[i].length() );
			}
		}
		out.println();
		out.println( title );
		for ( int n = 0; n < rows.size(); n++ ) {
			String[] r = rows.get( n );
			StringBuilder sb = new StringBuilder( "  " );
			for ( int i = 0; i < columns; i++ ) {
				String cell = i < r.length ? r[i] : "";
				if ( i == 0 ) {
					sb.append( String.format( "%-" + width[i] + "s", cell ) );
				}
				else {
					sb.append( "  " ).append( String.format( "%" + width[i] + "s", cell ) );
				}
			}
			out.println( sb.toString().stripTrailing() );
			if ( n == 0 ) {
				out.println( "  " + "-".repeat( sb.length() - 2 ) );
			}
		}
	}

	// ------------------------------------------------------------------------ formatting

	public static String n(long v) {
		return String.format( Locale.ROOT, "%,d", v );
	}

	/** A latency in microseconds, or any small figure: one decimal below 100, none above. */
	public static String us(double v) {
		return String.format( Locale.ROOT, v < 10 ? "%.2f" : v < 100 ? "%.1f" : "%,.0f", v );
	}

	public static String rate(double perSecond) {
		return String.format( Locale.ROOT, "%,.0f", perSecond );
	}

	public static String x(double ratio) {
		return String.format( Locale.ROOT, ratio < 10 ? "%.2fx" : "%,.0fx", ratio );
	}

	public static String f(double v, int decimals) {
		return String.format( Locale.ROOT, "%,." + decimals + "f", v );
	}

	public static String mb(long bytes) {
		return String.format( Locale.ROOT, "%,.0f MB", bytes / 1048576.0 );
	}
}
