package dev.wheelfarm.index;

import java.util.List;

/**
 * What {@code /simple/<name>/} lists.
 *
 * @param name the normalized project name
 * @param versions every version of the project (PEP 700), in PEP 440 order
 * @param files the farm's listed wheels and PyPI's files, by filename
 */
record ProjectPage(String name, List<String> versions, List<IndexFile> files) {

	ProjectPage {
		versions = List.copyOf(versions);
		files = List.copyOf(files);
	}

}
