package dev.wheelfarm.index;

/** Writes the index's pages in one wire format. */
interface PageRenderer {

	byte[] root(java.util.List<ListedProject> projects);

	byte[] project(ProjectPage page);

}
