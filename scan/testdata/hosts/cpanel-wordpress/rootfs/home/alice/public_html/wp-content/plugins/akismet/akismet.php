<?php
/*
Plugin Name: Akismet Anti-spam
Version: 5.3
*/
