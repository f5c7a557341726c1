<?php
/**
 * @package Hello_Dolly
 * @version 1.7.2
 */
/*
Plugin Name: Hello Dolly
Plugin URI: http://wordpress.org/plugins/hello-dolly/
Author: Matt Mullenweg
Version: 1.7.2
Author URI: http://ma.tt/
*/
