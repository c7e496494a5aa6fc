/* Embeds page.html as ws_page .. ws_page_end (see page.h). */
	.section .rodata
	.global ws_page
	.global ws_page_end
ws_page:
	.incbin "src/page.html"
ws_page_end:
	.section .note.GNU-stack,"",@progbits
